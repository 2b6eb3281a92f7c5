from django import forms

from .models import Review, Tag


class ReviewForm(forms.Form):
    rating = forms.IntegerField(min_value=1, max_value=5)
    body = forms.CharField(widget=forms.Textarea, required=False)


class ReviewModelForm(forms.ModelForm):
    class Meta:
        model = Review
        fields = ["book", "rating", "body"]


class TagFilterForm(forms.Form):
    tag = forms.ModelChoiceField(queryset=Tag.objects.all(), required=False)
