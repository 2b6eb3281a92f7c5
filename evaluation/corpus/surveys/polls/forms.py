from django import forms

from .models import Choice, Question


class VoteForm(forms.Form):
    choice = forms.ModelChoiceField(queryset=Choice.objects.none(), widget=forms.RadioSelect)

    def __init__(self, *args, question=None, **kwargs):
        super().__init__(*args, **kwargs)
        if question is not None:
            self.fields["choice"].queryset = question.choices.all()


class QuestionForm(forms.ModelForm):
    class Meta:
        model = Question
        fields = ["survey", "text", "position"]
