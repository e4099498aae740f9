'''
modified from https://github.com/tkipf/pygcn/blob/master/pygcn/models.py

The MIT License

Copyright (c) 2017 Thomas Kipf

Permission is hereby granted, free of charge, to any person obtaining a copy
of this software and associated documentation files (the "Software"), to deal
in the Software without restriction, including without limitation the rights
to use, copy, modify, merge, publish, distribute, sublicense, and/or sell
copies of the Software, and to permit persons to whom the Software is
furnished to do so, subject to the following conditions:

The above copyright notice and this permission notice shall be included in
all copies or substantial portions of the Software.

THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND, EXPRESS OR
IMPLIED, INCLUDING BUT NOT LIMITED TO THE WARRANTIES OF MERCHANTABILITY,
FITNESS FOR A PARTICULAR PURPOSE AND NONINFRINGEMENT. IN NO EVENT SHALL THE
AUTHORS OR COPYRIGHT HOLDERS BE LIABLE FOR ANY CLAIM, DAMAGES OR OTHER
LIABILITY, WHETHER IN AN ACTION OF CONTRACT, TORT OR OTHERWISE, ARISING FROM,
OUT OF OR IN CONNECTION WITH THE SOFTWARE OR THE USE OR OTHER DEALINGS IN
THE SOFTWARE.
'''

import torch.nn as nn
import torch.nn.functional as F

from .layers import GraphConvolution


class GCN(nn.Module):
    def __init__(self, n_layers, in_features, hidden, num_classes):
        super(GCN, self).__init__()
        assert n_layers >= 2
        self.layers = nn.ModuleList()
        for i in range(n_layers-1):
            in_channels = in_features if i == 0 else hidden
            self.layers.append(GraphConvolution(in_channels, hidden))
        self.last_layer = GraphConvolution(hidden, num_classes)

    def forward(self, x, adj):
        for l in self.layers:
            x = F.relu(l(x, adj))
        x = self.last_layer(x, adj)
        x = F.relu(x)
        return x
