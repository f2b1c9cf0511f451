#pragma once

#include "absl/status/status.h"

// Returns early from a function returning absl::Status or absl::StatusOr<T>
// when `expr` (an absl::Status) is not OK.
#define SAFESHARE_RETURN_IF_ERROR(expr)         \
  do {                                          \
    if (absl::Status _st = (expr); !_st.ok()) { \
      return _st;                               \
    }                                           \
  } while (false)
