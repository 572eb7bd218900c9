#!/usr/bin/python
# Copyright: fleetsec.schannel contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

# This is a documentation stub: the module runs on the controller as an action plugin (plugins/action).

DOCUMENTATION = r"""
---
module: compliance_report
short_description: Merge the per-host Schannel results of one or several runs into a fleet report
version_added: 0.1.0
description:
  - Reads the per-host result files the C(fleetsec.schannel.schannel) role writes
    (C(<report_dir>/<run_id>/<inventory_hostname>.json), schema C(fleetsec.schannel/host-result) version 1) and
    writes the fleet report on the controller, in up to three formats.
  - C(json), versioned (C(fleetsec.schannel/compliance-report) version 1); its JSON Schema is
    C(docs/compliance-report.schema.json) and its fields are described in C(docs/compliance-report.md).
  - C(junit), JUnit XML for CI dashboards, with one test suite per Windows version and one test case per host and
    control. Drift and failures are failures, unreachable hosts are errors.
  - C(html), one self-contained page that works offline. It shows the fleet summary per Windows version
    (compliant, drifted, changed, reboot pending, failed, unreachable), the compliance trend over the earlier runs
    in O(report_dir), a host x control matrix in colour, drift details per host and the TLS findings. The summary,
    the trend and the matrix work with JavaScript off.
  - Several O(runs) are merged host by host, for example the slices of an AWX sliced job that ran with different
    run ids. A host found in several runs is taken from the run listed last. Merging the slices gives the same
    report as one unsliced run.
  - Files are written with mode 0600 in directories with mode 0700. Check mode writes the report too, because it
    changes nothing on any host.
author:
  - fleetsec.schannel contributors (@fleetsec)
options:
  report_dir:
    description: The directory the role writes its run directories to (C(schannel_report_dir)).
    type: path
    required: true
  runs:
    description: Run ids (directory names under O(report_dir)) to merge. Default is the latest run directory.
    type: list
    elements: str
  output_dir:
    description: Where the report files go. Default is C(<report_dir>/<last run id>/report).
    type: path
  formats:
    description: Which formats to write.
    type: list
    elements: str
    choices: [json, junit, html]
    default: [json, junit, html]
  history:
    description: Add the trend over the earlier run directories of O(report_dir) (at most 60, the latest).
    type: bool
    default: true
seealso:
  - module: fleetsec.schannel.tls_scan
"""

EXAMPLES = r"""
- name: Fleet report of this run
  fleetsec.schannel.compliance_report:
    report_dir: "{{ schannel_report_dir }}"
    runs: ["{{ schannel_run_id }}"]
  run_once: true
  delegate_to: localhost

- name: Merge the slices of a sliced AWX job into one report
  fleetsec.schannel.compliance_report:
    report_dir: /var/lib/fleetsec/reports
    runs: [20261202T050000Z-slice1, 20261202T050000Z-slice2]
    formats: [json, html]
"""

RETURN = r"""
files:
  description: Paths of the files written, by format.
  returned: success
  type: dict
  sample: {json: /reports/20261202T050000Z/report/compliance-report.json,
           junit: /reports/20261202T050000Z/report/compliance-report.junit.xml,
           html: /reports/20261202T050000Z/report/compliance-report.html}
summary:
  description: Hosts per status over the merged runs.
  returned: success
  type: dict
  sample: {total: 12, compliant: 9, drifted: 2, changed: 0, reboot_pending: 0, failed: 0, unreachable: 1}
runs:
  description: The run ids merged, in the order given.
  returned: success
  type: list
  elements: str
"""
