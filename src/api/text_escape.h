// Bytes from the network (request paths, header values) are shown to people
// only through DisplaySafe: no control character and no invalid UTF-8 ever
// reaches a log line or a JSON error message.
#pragma once

#include <string>
#include <string_view>

namespace cc::api {

// Valid, printable UTF-8 passes unchanged; control characters (C0, DEL, C1),
// backslashes and bytes that are not valid UTF-8 become "\xNN". Output past
// `max_bytes` of input is cut and marked with "...".
std::string DisplaySafe(std::string_view raw, size_t max_bytes = 256);

// Percent-decoding for query parameters ('+' is a space). Malformed escapes
// are kept as they are.
std::string PercentDecode(std::string_view in);

}  // namespace cc::api
