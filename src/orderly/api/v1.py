from ninja import NinjaAPI

api = NinjaAPI(title="Orderly API", version="1", urls_namespace="api-v1")
