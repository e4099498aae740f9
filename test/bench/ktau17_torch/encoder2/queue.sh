#!/bin/bash
# sequential runner: executes lines of queue.txt (NAME<TAB>CFG<TAB>SEEDS) one at a time
cd "$(dirname "$0")"; export OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1 MKL_NUM_THREADS=1
i=0
while true; do
  line=$(sed -n "$((i+1))p" queue.txt)
  if [ -z "$line" ]; then sleep 5; [ -f stop ] && exit 0; continue; fi
  IFS=$'\t' read -r name cfg seeds <<< "$line"
  /usr/bin/python3 nac.py "$name" "$cfg" "$seeds" >> queue.log 2>&1
  i=$((i+1))
done
