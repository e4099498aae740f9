#!/bin/bash
export OPENBLAS_NUM_THREADS=1
cd "$(dirname "$0")"
P=/usr/bin/python3
while pgrep -f "queue1.sh" >/dev/null; do sleep 5; done
$P pretrain.py pt_rn50k.pt --obj reg,nreg --ncells 50000 --epochs 4 > log_pt_rn50k.txt 2>&1
$P run.py frz_rn50k 1-10 '{"init":"pt_rn50k.pt","freeze":true,"lr":1e-3}' > log_frz_rn50k.txt 2>&1
$P run.py ft_r50k 1-10 '{"init":"pt_r50k.pt"}' > log_ft_r50k.txt 2>&1
