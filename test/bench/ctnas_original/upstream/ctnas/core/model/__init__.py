from .nac import NAC

from .nac import MBSpaceNAC