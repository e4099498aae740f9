#!/bin/bash
export OPENBLAS_NUM_THREADS=1
cd "$(dirname "$0")"
P=/usr/bin/python3
while pgrep -f "queue[12].sh" >/dev/null; do sleep 5; done
$P run.py ex_r50k 1-10 '{"extra":"pt_r50k.pt"}' > log_ex_r50k.txt 2>&1
$P run.py base_e300 1-10 '{"epochs":300}' > log_base_e300.txt 2>&1
$P run.py ft_r50k_e300 1-10 '{"init":"pt_r50k.pt","epochs":300}' > log_ft_r50k_e300.txt 2>&1
$P run.py ft_r50k_enc5e-5 1-10 '{"init":"pt_r50k.pt","enc_lr":5e-5}' > log_ft_r50k_enc5e-5.txt 2>&1
