#include "broker/core/x509_text.h"

#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/pem.h>

namespace safeshare {

BioPtr MemoryBio(std::string_view bytes) {
  return BioPtr(BIO_new_mem_buf(bytes.data(), static_cast<int>(bytes.size())));
}

std::vector<X509Ptr> PemCertificates(std::string_view pem) {
  std::vector<X509Ptr> out;
  const BioPtr bio = MemoryBio(pem);
  while (X509* cert = PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr)) {
    out.emplace_back(cert);
  }
  ERR_clear_error();  // the end of the input reads as an error
  return out;
}

std::string NameText(const X509_NAME* name) {
  char text[256];
  X509_NAME_oneline(name, text, sizeof text);
  return text;
}

std::string NameDer(const X509_NAME* name) {
  const unsigned char* der = nullptr;
  size_t length = 0;
  if (X509_NAME_get0_der(name, &der, &length) != 1) return {};
  return {reinterpret_cast<const char*>(der), length};
}

std::string SerialHex(const ASN1_INTEGER* serial) {
  const std::unique_ptr<BIGNUM, OpenSslFree<BN_free>> number(ASN1_INTEGER_to_BN(serial, nullptr));
  if (number == nullptr) return "?";
  char* hex = BN_bn2hex(number.get());
  std::string out(hex);
  OPENSSL_free(hex);
  return out;
}

std::time_t AsnTime(const ASN1_TIME* time) {
  std::tm tm{};
  if (time == nullptr || ASN1_TIME_to_tm(time, &tm) != 1) return 0;
  return timegm(&tm);
}

std::string UtcText(std::time_t time) {
  std::tm tm{};
  gmtime_r(&time, &tm);
  char text[32];
  std::strftime(text, sizeof text, "%Y-%m-%d %H:%M UTC", &tm);
  return text;
}

}  // namespace safeshare
