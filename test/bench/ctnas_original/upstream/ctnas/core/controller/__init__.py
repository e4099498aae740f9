from .nasbench import NASBenchController
from .common_nas import LargeSpaceController
from .mobilespace import MBSpaceController
