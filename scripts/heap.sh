# Sourced by ./amalgam: JVM memory options sized from the command's --memory budget (default 1Gi) and the machine.
#
# The JVM's own default heap is a quarter of the machine (6 GiB here), and the parallel collector lets the heap
# grow towards it before collecting the large arrays a merge leaves behind, so resident memory had nothing to do
# with --memory. The heap gets 2 x the budget, at least 2 GiB, at most three quarters of the machine: the budget
# admits jobs by their working bytes, and a job computing on heap arrays (the mergekit methods) holds about 1.7 x
# those at its peak (TIES: deltas, sort keys, masks); a job larger than the whole budget still runs, alone, so
# --memory must be at least the largest tensor's working size; evaluation in `run` needs about 1 GiB of heap.
# Direct (off-heap) memory defaults to the same maximum.
# AMALGAM_JAVA_OPTS comes later on the command line, so -Xmx there wins.

amalgam_bytes() {  # as amalgam's SizeOption: 256Mi, 2Gi, 500M, 5B, 1.5Gi, 1000000 -> bytes (empty if not understood)
  awk -v value="$1" 'BEGIN {
    upper = toupper(value); multiplier = 1; n = length(upper)
    if (upper ~ /KI$/) { multiplier = 1024; n -= 2 } else if (upper ~ /MI$/) { multiplier = 1048576; n -= 2 }
    else if (upper ~ /GI$/) { multiplier = 1073741824; n -= 2 } else if (upper ~ /K$/) { multiplier = 1e3; n -= 1 }
    else if (upper ~ /M$/) { multiplier = 1e6; n -= 1 } else if (upper ~ /[BG]$/) { multiplier = 1e9; n -= 1 }
    number = substr(value, 1, n)
    if (number ~ /^[0-9]+(\.[0-9]*)?$/ && number > 0) printf "%.0f\n", number * multiplier
  }'
}

amalgam_heap_options() {
  local budget="" next=0 argument
  for argument in "$@"; do
    if [ "$next" = 1 ]; then budget="$argument"; next=0; continue; fi
    case "$argument" in
      --memory) next=1 ;;
      --memory=*) budget="${argument#--memory=}" ;;
    esac
  done
  local bytes
  bytes="$(amalgam_bytes "${budget:-1Gi}")"
  [ -n "$bytes" ] || bytes=$((1 << 30))   # amalgam itself reports a malformed --memory
  local heap=$((2 * bytes)) floor=$((2 << 30)) machine
  [ "$heap" -ge "$floor" ] || heap=$floor
  machine="$(awk '/^MemTotal:/ { printf "%.0f", $2 * 1024; exit }' /proc/meminfo 2>/dev/null || true)"
  if [ -n "$machine" ] && [ "$heap" -gt $((machine / 4 * 3)) ]; then
    heap=$((machine / 4 * 3))
  fi
  echo "-Xmx$((heap >> 20))m"
}
