# bench.sh's report: reads its runs (scenario, tool, run, ms, peak RSS in kB, bytes pushed,
# relpack's own count; tab-separated; a saved runs.tsv can be summarized again as it is, its
# header naming no scenario) and writes results.tsv: per scenario the median
# of each tool, their ratio and the goal of issue 9 it is judged by, and the range of the ratios
# of the runs one by one (relpack's and buildah's builds of the same run number were made one
# right after the other), which says how far one run can move a ratio near its goal.
#   awk -F'\t' -v release_bytes=N -v scale_bytes=N -f src/bench/summarize.awk runs.tsv > results.tsv
function sorted(list, v,   n, i, j, t) {
  n = split(list, v, " ")
  for (i = 2; i <= n; i++) for (j = i; j > 1 && v[j - 1] + 0 > v[j] + 0; j--) { t = v[j]; v[j] = v[j - 1]; v[j - 1] = t }
  return n
}
function median(key,   n, v) {
  n = sorted(times[key], v)
  if (n == 0) return ""
  return (n % 2) ? v[(n + 1) / 2] / 1000 : (v[n / 2] + v[n / 2 + 1]) / 2000
}
function median_of(list,   n, v) {
  n = sorted(list, v)
  return (n % 2) ? v[(n + 1) / 2] : int((v[n / 2] + v[n / 2 + 1]) / 2)
}
function add(scenario, tool, run, ms, rss, pushed) {
  times[scenario SUBSEP tool] = times[scenario SUBSEP tool] " " ms
  pushes[scenario SUBSEP tool] = pushes[scenario SUBSEP tool] " " pushed
  if (rss + 0 > peak[scenario SUBSEP tool]) peak[scenario SUBSEP tool] = rss + 0
  run_ms[scenario SUBSEP tool SUBSEP run] = ms
  if (!((scenario SUBSEP run) in seen)) { seen[scenario SUBSEP run] = 1; runs[scenario] = runs[scenario] " " run }
}
# the scenario whose buildah builds a relpack-only one is compared with: ci-cold-dist is the
# ci-cold job run with bin/relpack, right after the ci-cold pair of the same run (warm-dist and
# change-dist alike)
function against(scenario) { return (scenario ~ /-dist$/) ? substr(scenario, 1, length(scenario) - 5) : scenario }
# the lowest and highest ratio of the runs both tools made, as "0.55-0.71"
function ratio_range(scenario,   n, v, i, r, b, q, low, high) {
  n = split(runs[scenario], v, " ")
  low = ""; high = ""
  for (i = 1; i <= n; i++) {
    r = run_ms[scenario SUBSEP "relpack" SUBSEP v[i]]; b = run_ms[against(scenario) SUBSEP "buildah" SUBSEP v[i]]
    if (r == "" || b == "" || b + 0 == 0) continue
    q = r / b
    if (low == "" || q < low) low = q
    if (high == "" || q > high) high = q
  }
  return (low == "") ? "" : sprintf("%.2f-%.2f", low, high)
}
{
  add($1, $2, $3, $4, $5, $6)
  if ($1 == "warm" && $3 == 1) add("warm-2nd", $2, $3, $4, $5, $6)
  if ($1 == "scale-warm" && $3 == 1) add("scale-warm-2nd", $2, $3, $4, $5, $6)
}
END {
  scenarios = split("cold ci-cold ci-cold-dist warm warm-2nd warm-dist change change-dist scale-cold scale-warm scale-warm-2nd scale-change cold-nocheck", order, " ")
  printf "scenario\trelpack_s\tbuildah_s\tratio\trelpack_pushed_bytes\tbuildah_pushed_bytes\trelpack_peak_rss_kb\tbuildah_peak_rss_kb\tgoal\tresult\tratio_range\n"
  for (i = 1; i <= scenarios; i++) {
    s = order[i]; r = median(s SUBSEP "relpack"); b = median(against(s) SUBSEP "buildah")
    if (r == "") continue
    rel[s] = r
    ratio = (b == "") ? "" : sprintf("%.2f", r / b)
    rp = median_of(pushes[s SUBSEP "relpack"]); bp = (b == "") ? "" : median_of(pushes[against(s) SUBSEP "buildah"])
    goal = ""; ok = ""
    if (s == "cold") { goal = "ratio <= 0.8"; ok = (ratio + 0 <= 0.8) }
    else if (s == "ci-cold" || s == "ci-cold-dist" || s == "warm" || s == "warm-2nd" || s == "warm-dist") { goal = "ratio <= 0.4"; ok = (ratio + 0 <= 0.4) }
    else if (s == "change" || s == "change-dist") {
      goal = sprintf("ratio <= 0.5, pushed <= 5%% of %d", release_bytes)
      ok = (ratio + 0 <= 0.5) && (rp + 0 <= 0.05 * release_bytes)
    }
    else if (s == "scale-cold") { goal = sprintf("<= 5 x cold (%.2f s)", 5 * rel["cold"]); ok = (r + 0 <= 5 * rel["cold"]) }
    else if (s == "scale-warm" || s == "scale-warm-2nd") {
      w = (s == "scale-warm") ? rel["warm"] : rel["warm-2nd"]
      goal = sprintf("<= 1.5 x %s (%.2f s)", substr(s, 7), 1.5 * w); ok = (r + 0 <= 1.5 * w)
    }
    else if (s == "scale-change") {
      goal = sprintf("<= 1.5 x change (%.2f s), pushed <= 5%% of %d", 1.5 * rel["change"], scale_bytes)
      ok = (r + 0 <= 1.5 * rel["change"]) && (rp + 0 <= 0.05 * scale_bytes)
    }
    printf "%s\t%.2f\t%s\t%s\t%d\t%s\t%d\t%s\t%s\t%s\t%s\n", s, r, (b == "") ? "" : sprintf("%.2f", b), ratio, rp, bp,
      peak[s SUBSEP "relpack"], (b == "") ? "" : peak[against(s) SUBSEP "buildah"], goal, (goal == "") ? "" : (ok ? "PASS" : "FAIL"),
      ratio_range(s)
  }
}
