// Certificates for the TLS tests, made once per test process by
// tests/tls/make_certs.sh (see it for what each file is).
#pragma once

#include <string>

namespace edgemq::itest {

// The directory holding them; empty if the script failed (tests then fail
// on the missing files, with the script's output on stderr).
const std::string& test_certs();
// test_certs() + "/" + name.
std::string cert_file(const std::string& name);

}  // namespace edgemq::itest
