"""DJA0xx: findings about asynclint itself (the engine emits them)."""

from asynclint.registry import Rule, register


@register
class UnparsableFile(Rule):
    """
    A file that cannot be read or parsed as Python.

    ## What it does
    Reports a file asynclint could not decode (bad PEP 263 coding cookie,
    invalid bytes) or parse, at the position the parser gave.

    ## Why is this bad?
    Nothing else in the file was checked, so any pitfall in it goes unseen.
    Python itself would refuse to import it.

    ## Example
    ```python
    async def view(request)
        ...
    ```

    Use instead:
    ```python
    async def view(request):
        ...
    ```

    ## Django version
    Any.
    """

    code = "DJA001"
    name = "unparsable-file"
    loop_only = False

    @classmethod
    def triggers(cls, project):
        return ()  # emitted by the engine itself


@register
class RuleCrashed(Rule):
    """
    A rule failed on this file; the other rules still ran.

    ## What it does
    Reports the rule that raised an exception while checking the file, with the
    exception, instead of stopping the whole run.

    ## Why is this bad?
    It is a bug in asynclint: the crashed rule checked nothing in this file.
    Please report it with the file (or a reduced copy).

    ## Example
    ```text
    app/views.py:1:1: DJA002 rule DJA101 crashed on this file and was skipped for it (...)
    ```

    Use instead:
    ```text
    (upgrade asynclint, or ignore DJA002 for this file until it is fixed)
    ```

    ## Django version
    Any.
    """

    code = "DJA002"
    name = "rule-crashed"
    loop_only = False

    @classmethod
    def triggers(cls, project):
        return ()  # emitted by the engine itself
