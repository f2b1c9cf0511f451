#include "broker/identity/peer_certificate.h"

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include "broker/core/x509_text.h"

namespace safeshare::identity {
namespace {

std::vector<std::string> SanUris(const X509* cert) {
  std::vector<std::string> uris;
  auto* names =
      static_cast<GENERAL_NAMES*>(X509_get_ext_d2i(cert, NID_subject_alt_name, nullptr, nullptr));
  if (names == nullptr) return uris;
  for (int i = 0; i < sk_GENERAL_NAME_num(names); ++i) {
    const GENERAL_NAME* name = sk_GENERAL_NAME_value(names, i);
    if (name->type != GEN_URI) continue;
    const ASN1_IA5STRING* uri = name->d.uniformResourceIdentifier;
    uris.emplace_back(reinterpret_cast<const char*>(ASN1_STRING_get0_data(uri)),
                      static_cast<size_t>(ASN1_STRING_length(uri)));
  }
  GENERAL_NAMES_free(names);
  return uris;
}

}  // namespace

std::string PeerCertificate::Describe() const { return "serial " + serial + " (" + subject + ")"; }

absl::StatusOr<PeerCertificate> ParsePeerCertificate(std::string_view pem) {
  const BioPtr bio = MemoryBio(pem);
  const X509Ptr cert(PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr));
  ERR_clear_error();
  if (cert == nullptr) return absl::InvalidArgumentError("not a PEM certificate");
  PeerCertificate out;
  out.subject = NameText(X509_get_subject_name(cert.get()));
  out.issuer = NameText(X509_get_issuer_name(cert.get()));
  out.issuer_der = NameDer(X509_get_issuer_name(cert.get()));
  out.serial = SerialHex(X509_get0_serialNumber(cert.get()));
  out.not_before = AsnTime(X509_get0_notBefore(cert.get()));
  out.not_after = AsnTime(X509_get0_notAfter(cert.get()));
  out.uris = SanUris(cert.get());
  // X509_get_extended_key_usage is all ones for a certificate without the
  // extension ("any use"); an agency certificate must name clientAuth.
  out.client_auth = (X509_get_extension_flags(cert.get()) & EXFLAG_XKUSAGE) != 0 &&
                    (X509_get_extended_key_usage(cert.get()) & XKU_SSL_CLIENT) != 0;
  return out;
}

}  // namespace safeshare::identity
