"""``[privacy]`` of golden.toml: how data-subject requests (DSGVO Art. 15-21) are carried out.

The salt of the erasure tombstones never lives in golden.toml (a config file is copied, mailed
and committed): it comes from the environment variable ``GOLDEN_ERASURE_SALT`` or from the key
file named by ``salt_file`` (a path only). Without it an erasure refuses to start, and a run that
meets stored tombstones stops, rather than re-creating an erased person.
"""

from __future__ import annotations

from typing import Final, Literal

from pydantic import BaseModel, ConfigDict

#: Environment variable holding the tombstone salt (wins over ``salt_file``).
SALT_ENV: Final = "GOLDEN_ERASURE_SALT"

#: Group attributes a Listenprivileg postal list may carry, one at most (§ 28 Abs. 3 Satz 2
#: Nr. 1 BDSG a.F.: "eine Angabe über die Zugehörigkeit des Betroffenen zu dieser Personengruppe").
GROUP_ATTRIBUTES: Final = ("segment", "profession")

#: Shortest salt accepted: a short salt lets anyone with the tombstones guess e-mails back.
MIN_SALT_LENGTH: Final = 16


class PrivacyConfig(BaseModel):
    """Erasure and access requests: where the salt is, what happens to older runs."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    #: key file with the tombstone salt (used when GOLDEN_ERASURE_SALT is not set)
    salt_file: str = ""
    #: published run folders other than the latest: "rewrite" (the person's rows removed) or
    #: "delete" (the whole folder); the latest run is always rewritten
    older_runs: Literal["rewrite", "delete"] = "rewrite"
    #: folder for erasure and retention tasks; default "<output_dir>/privacy"
    output_dir: str = ""
    #: published runs and exports readable by the owner only (files 0600, folders 0700)
    private_files: bool = True
    #: the one group attribute of the Listenprivileg postal list: "auto" (segment when a silo
    #: maps it, else profession when mapped, else none), "segment", "profession" or "none"
    listenprivileg_group: Literal["auto", "segment", "profession", "none"] = "auto"
