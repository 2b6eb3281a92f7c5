from django import forms

from .models import Comment, Ticket


class TicketForm(forms.ModelForm):
    class Meta:
        model = Ticket
        fields = ["subject", "body", "requester_email", "team", "priority"]


class CommentForm(forms.Form):
    body = forms.CharField(widget=forms.Textarea)
    internal = forms.BooleanField(required=False)


class InternalNoteForm(forms.ModelForm):
    class Meta:
        model = Comment
        fields = ["body"]
