#!/bin/bash
# run sequentially after the baseline
export OPENBLAS_NUM_THREADS=1
cd "$(dirname "$0")"
P=/usr/bin/python3
while pgrep -f "run.py baseline 2-10" >/dev/null; do sleep 5; done
$P pretrain.py pt_mr50k.pt --obj mask,reg --ncells 50000 --epochs 4 > log_pt_mr50k.txt 2>&1
$P run.py frz_mr50k 1-10 '{"init":"pt_mr50k.pt","freeze":true,"lr":1e-3}' > log_frz_mr50k.txt 2>&1
$P pretrain.py pt_r50k.pt --obj reg --ncells 50000 --epochs 4 > log_pt_r50k.txt 2>&1
$P run.py frz_r50k 1-10 '{"init":"pt_r50k.pt","freeze":true,"lr":1e-3}' > log_frz_r50k.txt 2>&1
$P pretrain.py pt_m50k.pt --obj mask --ncells 50000 --epochs 4 > log_pt_m50k.txt 2>&1
$P run.py frz_m50k 1-10 '{"init":"pt_m50k.pt","freeze":true,"lr":1e-3}' > log_frz_m50k.txt 2>&1
$P run.py ft_mr50k 1-10 '{"init":"pt_mr50k.pt"}' > log_ft_mr50k.txt 2>&1
