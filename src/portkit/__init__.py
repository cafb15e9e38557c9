"""portkit: stamp out ready-to-extend ML portfolio projects and keep them up to date.

The public API is what `__all__` lists; everything else is private and may change.
"""

from portkit._version import __version__
from portkit.errors import PortkitError

__all__ = ["PortkitError", "__version__"]
