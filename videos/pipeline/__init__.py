"""Video processing steps that need no database: frames, tracks, frame quality, blurring."""
