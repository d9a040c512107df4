//! Shared nothing: the suite lives in api/.
