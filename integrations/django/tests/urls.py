from django.contrib import admin
from django.urls import path

from pdf_trigger.callbacks import batch_callback

urlpatterns = [
    path("admin/", admin.site.urls),
    path("pdf-batches/callback", batch_callback),
]
