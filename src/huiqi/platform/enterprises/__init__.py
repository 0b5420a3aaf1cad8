"""一企一档: the enterprise profile with annual figures, recognitions, projects and credit."""
