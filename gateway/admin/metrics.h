// GET /metrics: the snapshot in Prometheus' text exposition format (0.0.4):
// `edgemq_` names, `_total` on counters, base units (bytes, seconds), and the
// standard `process_` metrics.
#pragma once

#include <string>

#include "gateway/admin/snapshot.h"

namespace edgemq::admin {

std::string render_metrics(const Snapshot& s);

}  // namespace edgemq::admin
