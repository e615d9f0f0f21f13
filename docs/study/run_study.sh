#!/usr/bin/env bash
# Reproduce docs/results.md: train the real_cpu recipes, track the held-out sequences, run OpenCV CSRT on them,
# and tabulate. Run from the repository root; the shared data must lie at ../shared/data (or export the
# DCTRACK_*_DIR variables yourself before running).
#
#   bash docs/study/run_study.sh                          # the full recipe (20 epochs x 2048 samples, 8-16 min each)
#   EPOCHS=3 SAMPLES=1024 bash docs/study/run_study.sh    # the shortened budget the committed table used
#   SETTINGS="real_cpu real_cpu_baseline" STAGES="train eval" bash docs/study/run_study.sh
#
# Stages: csrt (needs .venv-csrt: python3 -m venv .venv-csrt && .venv-csrt/bin/pip install opencv-contrib-python
# numpy tqdm), train, eval, table. Results go to $STUDY (default workspace/study), never to workspace/results.
set -euo pipefail

DATA=${DATA:-../shared/data/sequences}
export DCTRACK_OTB_DIR=${DCTRACK_OTB_DIR:-$DATA/otb} DCTRACK_VOT_DIR=${DCTRACK_VOT_DIR:-$DATA/vot}
export DCTRACK_UAV123_DIR=${DCTRACK_UAV123_DIR:-$DATA/uav123} DCTRACK_DSST_DIR=${DCTRACK_DSST_DIR:-$DATA/dsst}
export DCTRACK_UNLABELED_DIR=${DCTRACK_UNLABELED_DIR:-$DATA/../unlabeled}
PY=${PY:-.venv/bin/python}
CSRT_PY=${CSRT_PY:-.venv-csrt/bin/python}
STUDY=${STUDY:-workspace/study}
SETTINGS=${SETTINGS:-"real_cpu real_cpu_baseline real_cpu_seed_v1"}
STAGES=${STAGES:-"csrt train eval table"}
SEED=${SEED:-0}
OVERRIDES=()
[[ -n "${EPOCHS:-}" ]] && OVERRIDES+=("epochs=$EPOCHS")
[[ -n "${SAMPLES:-}" ]] && OVERRIDES+=("samples_per_epoch=$SAMPLES")
# held-out sequences (plugins/dctrack/train_settings/real_cpu.py: HELDOUT_SEQUENCES)
HELDOUT=("otb Couple" "otb Crossing" "otb Football1" "vot bag" "uav123 wakeboard7")
RESULTS=$STUDY/results
mkdir -p "$STUDY/analysis"

has() { [[ " $STAGES " == *" $1 "* ]]; }

# evaluations of a setting: the normal tracker and, with a prior path, the zero/shift prior checks
# (--set prior_mode=<mode>; written as run ids 1 / 2, i.e. results folders <setting>_001 / <setting>_002)
params_of() {
  if [[ $1 == *baseline ]]; then echo "$1"; else echo "$1 $1:zero:1 $1:shift:2"; fi
}
# results folder of an evaluation: <setting> or <setting>_<runid:03d>
folder_of() { IFS=: read -r p mode id <<< "$1"; if [[ -n $id ]]; then printf '%s_%03d' "$p" "$id"; else echo "$p"; fi; }

if has csrt; then
  for entry in "${HELDOUT[@]}"; do
    set -- $entry
    "$CSRT_PY" docs/study/csrt_baseline.py --dataset "$1" --sequences "$2" --results-dir "$RESULTS"
  done
fi

if has train; then
  for s in $SETTINGS; do
    args=(--resume none --seed "$SEED")
    [[ ${#OVERRIDES[@]} -gt 0 ]] && args+=(--set "${OVERRIDES[@]}")
    "$PY" ltr/run_training.py dctrack "$s" "${args[@]}"
  done
fi

if has eval; then
  for s in $SETTINGS; do
    for e in $(params_of "$s"); do
      IFS=: read -r p mode id <<< "$e"
      extra=()
      [[ -n $mode ]] && extra=(--set "prior_mode=$mode" --runid "$id")
      for entry in "${HELDOUT[@]}"; do
        set -- $entry
        "$PY" pytracking/run_tracker.py dctrack "$p" --dataset "$1" --sequence "$2" --results-dir "$RESULTS" \
          --threads 0 --torch-threads 1 --device cpu "${extra[@]}"
      done
    done
  done
fi

if has table; then
  for d in otb vot uav123; do
    trackers=()
    for s in $SETTINGS; do for e in $(params_of "$s"); do
      p=$(folder_of "$e")
      [[ -d $RESULTS/dctrack/$p/$d ]] && trackers+=("dctrack/$p")
    done; done
    "$PY" pytracking/analyze.py --dataset "$d" --preset otb --results-dir "$RESULTS" --trackers "${trackers[@]}" \
      --external "CSRT=$RESULTS/csrt/default/$d@zero_based" --no-plots --no-cache --no-sequences \
      --json "$STUDY/analysis/$d.json"
  done
  "$PY" docs/study/aggregate.py "$STUDY"/analysis/*.json --markdown "$STUDY/table.md"
fi
