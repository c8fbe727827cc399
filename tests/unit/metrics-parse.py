#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
# daxmfd's metrics through a real parser of the text format: Debian's
# python3-prometheus-client (Debian's own python, whatever python3 is first
# in PATH).  metrics-sample prints the metrics of a known run.
#   metrics-parse.py METRICS-SAMPLE
import subprocess
import sys

try:
    from prometheus_client.parser import text_string_to_metric_families
except ImportError:
    print("python3-prometheus-client is not installed (tools/install-deps.sh --test)")
    sys.exit(77)

text = subprocess.run([sys.argv[1]], check=True, capture_output=True, text=True).stdout
families = {f.name: f for f in text_string_to_metric_families(text)}

failures = 0


def check(what, ok):
    global failures
    print(("ok - " if ok else "not ok - ") + what)
    if not ok:
        failures += 1


# The parser names a counter without its _total; its samples keep it.
want = {
    "daxmf_events": "counter", "daxmf_pages": "counter", "daxmf_pages_failed": "counter",
    "daxmf_files_affected": "counter", "daxmf_processes_affected": "counter",
    "daxmf_records_lost": "counter",
    "daxmf_degraded": "gauge", "daxmf_degraded_info": "gauge", "daxmf_module_connected": "gauge",
    "daxmf_journal_unavailable": "gauge", "daxmf_journal_queued_records": "gauge",
    "daxmf_removal_handler": "gauge", "daxmf_memory_failure_source": "gauge",
    "daxmf_pages_pending": "gauge", "daxmf_pages_in_flight": "gauge",
    "daxmf_disks_watched": "gauge", "daxmf_bad_ranges": "gauge",
    "daxmf_last_event_timestamp_seconds": "gauge", "daxmf_start_time_seconds": "gauge",
}
check("the families and their types: %s" % sorted(families),
      {n: f.type for n, f in families.items()} == want)
check("every family has its help", all(f.documentation for f in families.values()))


def value(family, name, **labels):
    f = families.get(family)
    found = [s.value for s in (f.samples if f else []) if s.name == name and s.labels == labels]
    return found[0] if len(found) == 1 else None


check("poison complete 1", value("daxmf_events", "daxmf_events_total", event="poison", result="complete") == 1)
check("poison partial 1", value("daxmf_events", "daxmf_events_total", event="poison", result="partial") == 1)
check("removal complete 1", value("daxmf_events", "daxmf_events_total", event="removal", result="complete") == 1)
check("manual failed 0 (known series start at 0)",
      value("daxmf_events", "daxmf_events_total", event="manual", result="failed") == 0)
check("memory-failure recovered 1",
      value("daxmf_events", "daxmf_events_total", event="memory-failure", result="recovered") == 1)
check("19 event series", len(families["daxmf_events"].samples) == 19)
check("pages", value("daxmf_pages", "daxmf_pages_total") == 262166)
check("pages failed", value("daxmf_pages_failed", "daxmf_pages_failed_total") == 5)
check("files affected", value("daxmf_files_affected", "daxmf_files_affected_total") == 123)
check("processes affected", value("daxmf_processes_affected", "daxmf_processes_affected_total") == 1)
check("files lost", value("daxmf_records_lost", "daxmf_records_lost_total", kind="files") == 23)
check("processes lost", value("daxmf_records_lost", "daxmf_records_lost_total", kind="processes") == 0)
check("journal lost", value("daxmf_records_lost", "daxmf_records_lost_total", kind="journal") == 1)
check("memory-failure events lost",
      value("daxmf_records_lost", "daxmf_records_lost_total", kind="memory-failure") == 7)
check("memory failures from the module",
      [value("daxmf_memory_failure_source", "daxmf_memory_failure_source", source=s)
       for s in ("module", "tracefs", "none")] == [1, 0, 0])
check("degraded", value("daxmf_degraded", "daxmf_degraded") == 1)
# The label value comes back exactly: quotes, newline and backslash escaped and unescaped.
check("degraded reason round trip",
      value("daxmf_degraded_info", "daxmf_degraded_info",
            reason='module "daxmf" not loaded\nsee C:\\daxmf') == 1)
check("journal unavailable", value("daxmf_journal_unavailable", "daxmf_journal_unavailable") == 1)
check("journal records waiting", value("daxmf_journal_queued_records", "daxmf_journal_queued_records") == 9)
check("module not connected", value("daxmf_module_connected", "daxmf_module_connected") == 0)
check("pages pending", value("daxmf_pages_pending", "daxmf_pages_pending") == 12)
check("pages in flight", value("daxmf_pages_in_flight", "daxmf_pages_in_flight") == 4)
check("disks", value("daxmf_disks_watched", "daxmf_disks_watched") == 2)
check("bad ranges", value("daxmf_bad_ranges", "daxmf_bad_ranges") == 3)
check("start time", value("daxmf_start_time_seconds", "daxmf_start_time_seconds") == 1700000000.5)
check("last event time is now-ish",
      value("daxmf_last_event_timestamp_seconds", "daxmf_last_event_timestamp_seconds") > 1700000000)
check("no sample carries a timestamp (node_exporter refuses them)",
      all(s.timestamp is None for f in families.values() for s in f.samples))
sys.exit(1 if failures else 0)
