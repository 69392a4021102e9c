"""API views, one module per area: auth, departments, officers, images, review, worker, docs."""
