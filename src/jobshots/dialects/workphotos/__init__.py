"""WorkPhotos-style jobs API (seed 001): /job/create, /job/list, /job/details."""
