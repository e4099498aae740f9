from .common_nas import *
from .nasbench import *
from .utils import *
from .mobilespace import *
