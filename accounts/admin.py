from django.contrib import admin

from accounts.models import Profile


@admin.register(Profile)
class ProfileAdmin(admin.ModelAdmin):
    list_display = ("user", "role", "department", "approved")
    list_filter = ("role", "approved", "department")
    search_fields = ("user__username", "user__email")
    raw_id_fields = ("user",)
