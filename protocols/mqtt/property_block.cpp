// A PUBLISH's property block on its own, outside any packet: how the store
// keeps a message's 5.0 properties without a schema of its own for them.
#include "protocols/mqtt/byte_reader.h"
#include "protocols/mqtt/codec.h"
#include "protocols/mqtt/property_reader.h"
#include "protocols/mqtt/property_writer.h"

namespace edgemq::mqtt {

std::string encode_property_block(const Props& props) {
  std::string out;
  if (props.null()) return out;
  const size_t length = properties_length(&props.get());
  put_property_block(out, &props.get(), length);
  return out;
}

DecodeError decode_property_block(std::span<const uint8_t> in, Props& out) {
  ByteReader r(in);
  if (DecodeError e = read_properties(r, PropertyContext::Publish, out); e != DecodeError::None) return e;
  return r.empty() ? DecodeError::None : DecodeError::TrailingBytes;
}

}  // namespace edgemq::mqtt
