#!/bin/bash
export OPENBLAS_NUM_THREADS=1
cd "$(dirname "$0")"
P=/usr/bin/python3
while pgrep -f "queue[123].sh" >/dev/null; do sleep 5; done
$P pretrain.py pt_r423k.pt --obj reg --ncells 423624 --epochs 2 > log_pt_r423k.txt 2>&1
$P run.py frz_r423k 1-10 '{"init":"pt_r423k.pt","freeze":true,"lr":1e-3}' > log_frz_r423k.txt 2>&1
$P pretrain.py pt_cl50k.pt --obj cl --ncells 50000 --epochs 4 --edrop 0.1 > log_pt_cl50k.txt 2>&1
$P run.py frz_cl50k 1-10 '{"init":"pt_cl50k.pt","freeze":true,"lr":1e-3}' > log_frz_cl50k.txt 2>&1
$P run.py baseline 11-20 > log_baseline11.txt 2>&1
