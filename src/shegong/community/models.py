"""Models of the community app (issue 5; being written)."""

from .activity_models import *  # noqa: F403
from .group_models import *  # noqa: F403
from .request_models import *  # noqa: F403
from .volunteer_models import *  # noqa: F403
