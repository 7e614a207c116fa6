"""The pure rules of an application: statuses, materials, the applicant's answers. No I/O."""
