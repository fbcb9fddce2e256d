app_name = "banners"

urlpatterns: list = []
