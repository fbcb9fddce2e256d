app_name = "weather"

urlpatterns: list = []
