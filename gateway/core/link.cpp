#include "gateway/core/link.h"

#include "gateway/core/client.h"

namespace edgemq::core {

Link::Link() = default;
Link::~Link() = default;

}  // namespace edgemq::core
