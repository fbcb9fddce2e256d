class ReadOnlyAdminMixin:
    """For records written only by the system (history, statistics, readings): staff with the
    view permission may list and open them; nobody adds, edits or deletes them by hand."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
