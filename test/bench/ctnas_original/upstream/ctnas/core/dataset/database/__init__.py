from .base import DataBase
from .nasbench import NASBenchDataBase
from .common_nas import CommonNASDataBase
from .mobilespace import MBSpaceDataBase
