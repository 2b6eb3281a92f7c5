from django.db import models


class Survey(models.Model):
    title = models.CharField(max_length=120)
    slug = models.SlugField(unique=True)
    published = models.BooleanField(default=False)


class Question(models.Model):
    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="questions")
    text = models.CharField(max_length=200)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position"]


class Choice(models.Model):
    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="choices")
    label = models.CharField(max_length=100)
    votes = models.PositiveIntegerField(default=0)
