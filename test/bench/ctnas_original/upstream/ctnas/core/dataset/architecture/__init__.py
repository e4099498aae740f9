from .nasbench import NASBenchArchitecture
from .common_nas import CommonNASArchitecture
from .mobilespace import MBArchitecture
