#pragma once

#include <openssl/x509.h>

#include <ctime>
#include <string>
#include <string_view>
#include <vector>

#include "broker/core/openssl_ptr.h"

namespace safeshare {

// Small readers of X.509 material shared by the TLS set-up and the
// certificate checks, so each says a name, a date or a serial the same way.

// A read-only BIO over `bytes`, which must outlive it.
BioPtr MemoryBio(std::string_view bytes);
// Every certificate of a PEM text, in order; none if it holds none.
std::vector<X509Ptr> PemCertificates(std::string_view pem);
// "/O=SafeShare Dev Partnership/CN=police".
std::string NameText(const X509_NAME* name);
// The name's DER encoding: what an exact comparison compares.
std::string NameDer(const X509_NAME* name);
// Upper-case hex, as `openssl x509 -serial` prints it.
std::string SerialHex(const ASN1_INTEGER* serial);
// Seconds since the epoch; 0 for a time OpenSSL cannot read.
std::time_t AsnTime(const ASN1_TIME* time);
// "2026-12-01 13:05 UTC".
std::string UtcText(std::time_t time);

}  // namespace safeshare
