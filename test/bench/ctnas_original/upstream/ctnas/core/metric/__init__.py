from .accuracy import AccuracyMetric
from .average import AverageMetric
from .moving_average import MovingAverageMetric
