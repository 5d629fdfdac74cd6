"""The JSON API of the community app (issue 5; being written)."""

from ninja import Router

router = Router(tags=["community"])

from .activity_api import router as activity_router  # noqa: E402

router.add_router("", activity_router)

from .pairing_api import router as pairing_router  # noqa: E402
from .request_api import router as request_router  # noqa: E402
from .volunteer_api import router as volunteer_router  # noqa: E402

router.add_router("", volunteer_router)
router.add_router("", pairing_router)
router.add_router("", request_router)
