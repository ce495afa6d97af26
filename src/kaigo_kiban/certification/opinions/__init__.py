"""主治医意見書 online: requests, the form, drafts and submission, signatures, the municipal pull
and the clinic pages; builds on ``cases`` (see ../README.md)."""
