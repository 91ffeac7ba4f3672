// The HTTP/1.x wire form of an answer, written into one buffer so each
// answer is one write. Header names or values holding CR or LF are dropped
// (no response splitting, whatever a route puts there).
#pragma once

#include <string>

#include "api/http_message.h"

namespace cc::api {

// Replaces `out` with the status line, headers and body. `version` is 10 or
// 11; `keep_alive` decides the Connection header (HTTP/1.0 needs it to keep
// the connection, HTTP/1.1 to close it).
void SerializeResponse(const HttpResponse& response, int version, bool keep_alive,
                       std::string& out);

}  // namespace cc::api
