#!/bin/bash
export OPENBLAS_NUM_THREADS=1
cd "$(dirname "$0")"
P=/usr/bin/python3
while kill -0 31228 2>/dev/null; do sleep 3; done
$P run.py base_e300 1-10 '{"epochs":300}' > log_base_e300.txt 2>&1
$P run.py ft_r50k_e300 1-10 '{"init":"pt_r50k.pt","epochs":300}' > log_ft_r50k_e300.txt 2>&1
$P run.py baseline 11-20 > log_baseline11.txt 2>&1
$P run.py ft_r50k 11-20 '{"init":"pt_r50k.pt"}' > log_ft_r50k_11.txt 2>&1
$P pretrain.py pt_r423k.pt --obj reg --ncells 423624 --epochs 2 > log_pt_r423k.txt 2>&1
$P run.py frz_r423k 1-10 '{"init":"pt_r423k.pt","freeze":true,"lr":1e-3}' > log_frz_r423k.txt 2>&1
$P pretrain.py pt_cl50k.pt --obj cl --ncells 50000 --epochs 4 --edrop 0.1 > log_pt_cl50k.txt 2>&1
$P run.py frz_cl50k 1-10 '{"init":"pt_cl50k.pt","freeze":true,"lr":1e-3}' > log_frz_cl50k.txt 2>&1
