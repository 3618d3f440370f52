"""Click in French: its help texts, usage lines and error messages.

Click writes its own texts in English ("Usage:", "Error: No such option", "Show this message and
exit.", "[default: 10]") and looks each one up through ``gettext`` when it shows it. Presse has no
``.mo`` catalogue and must not depend on the user's locale, so ``install()`` hands click's modules
a French ``gettext`` backed by the catalogue below. This module is the only one that knows how click
fetches its texts; ``tests/test_cli.py`` checks that every text of click's modules is in the catalogue.

Click fills the texts with ``str.format``: a French text uses the same names (it may leave some
out, and writes « {name} » where click wrote ``{name!r}``).
"""

from __future__ import annotations

# Headings are followed by click's ":"; the space makes « Options : » as French typography wants.
TEXTS: dict[str, str] = {
    # Help pages.
    "Usage:": "Utilisation :",
    "Options": "Options ",
    "Commands": "Commandes ",
    "Positional arguments": "Arguments ",
    "Show this message and exit.": "Affiche cette aide et quitte.",
    "Show the version and exit.": "Affiche la version et quitte.",
    "%(prog)s, version %(version)s": "%(prog)s, version %(version)s",
    "default: {default}": "défaut : {default}",
    "env var: {var}": "variable d'environnement : {var}",
    "required": "obligatoire",
    "(dynamic)": "(calculé)",
    "deprecated": "obsolète",
    "file": "fichier",
    "directory": "dossier",
    "path": "chemin",
    "Choice({choices})": "Choix({choices})",
    "Do you want to continue?": "Voulez-vous continuer ?",
    "Confirm the action without prompting.": "Confirme l'action sans la demander.",
    "Press any key to continue...": "Appuyez sur une touche pour continuer…",
    "Repeat for confirmation": "Répétez pour confirmer",
    "DeprecationWarning: The command {name!r} is deprecated.{extra_message}":
        "Attention : la commande « {name} » est obsolète.{extra_message}",
    "DeprecationWarning: The {param_type} {name!r} is deprecated.{extra_message}":
        "Attention : le paramètre « {name} » est obsolète.{extra_message}",
    # Errors.
    "Error: {message}": "Erreur : {message}",
    "Try '{command} {option}' for help.": "Aide : {command} {option}",
    "Aborted!": "Interrompu.",
    "Missing command.": "Commande manquante.",
    "No such command {name!r}.": "Commande inconnue : « {name} ».",
    "No such option {name!r}.": "Option inconnue : « {name} ».",
    "Missing argument": "Argument manquant :",
    "Missing option": "Option manquante :",
    "Missing parameter": "Paramètre manquant :",
    "Missing {param_type}": "{param_type} manquant :",
    "Missing parameter: {param_name}": "Paramètre manquant : {param_name}",
    "Invalid value for {param_hint}: {message}": "Valeur invalide pour {param_hint} : {message}",
    "Invalid value: {message}": "Valeur invalide : {message}",
    "unknown error": "erreur inconnue",
    "Could not open file {filename!r}: {message}": "Impossible d'ouvrir le fichier « {filename} » : {message}",
    "Value must be an iterable.": "La valeur doit être une liste.",
    "Option {name!r} does not take a value.": "L'option « {name} » ne prend pas de valeur.",
    "Argument {name!r} takes {nargs} values.": "L'argument « {name} » prend {nargs} valeurs.",
    "Invalid start character for option ({option})": "Caractère initial invalide pour une option ({option})",
    "Choose from:\n\t{choices}": "Choisissez parmi :\n\t{choices}",
    "{value} is not in the range {range}.": "{value} est hors des limites permises ({range}).",
    "{value!r} is not a valid {number_type}.": "« {value} » n'est pas un nombre valide.",
    "{value!r} is not a valid boolean. Recognized values: {states}":
        "« {value} » n'est pas une valeur oui/non valide. Valeurs reconnues : {states}",
    "{value!r} is not a valid UUID.": "« {value} » n'est pas un UUID valide.",
    "{name} {filename!r} does not exist.": "Le {name} « {filename} » n'existe pas.",
    "{name} {filename!r} is a file.": "Le {name} « {filename} » est un fichier.",
    "{name} {filename!r} is a directory.": "Le {name} « {filename} » est un dossier.",
    "{name} {filename!r} is not readable.": "Le {name} « {filename} » ne peut pas être lu.",
    "{name} {filename!r} is not writable.": "Le {name} « {filename} » ne peut pas être écrit.",
    "{name} {filename!r} is not executable.": "Le {name} « {filename} » n'est pas exécutable.",
    "Error: The two entered values do not match.": "Erreur : les deux valeurs saisies sont différentes.",
    "Error: invalid input": "Erreur : saisie invalide",
    "Unknown color {colour!r}": "Couleur inconnue : « {colour} »",
    "Unknown standard stream '{name}'": "Flux standard inconnu : « {name} »",
    # Mistakes in a command's declaration (for developers, French all the same).
    "Could not determine name for option with declarations {decls!r}":
        "Impossible de nommer l'option déclarée par {decls!r}",
    "No options defined but a name was passed ({name}). Did you mean to declare an argument instead? "
    "Did you mean to pass '--{name}'?":
        "Aucune option déclarée mais un nom donné ({name}) : un argument, ou '--{name}' ?",
    "Arguments take exactly one parameter declaration, got {length}: {decls}.":
        "Un argument se déclare avec un seul nom, reçu {length} : {decls}.",
    "Name '{name}' defined twice": "Nom « {name} » déclaré deux fois",
    "Boolean option {decl!r} cannot use the same flag for true/false.":
        "L'option oui/non {decl!r} ne peut pas utiliser le même nom pour oui et non.",
}

# (singular, plural) in English → (singular, plural) in French; French uses the singular for 0 and 1.
PLURALS: dict[tuple[str, str], tuple[str, str]] = {
    ("Did you mean {possibility}?", "(Did you mean one of: {possibilities}?)"):
        ("Vouliez-vous dire {possibility} ?", "(Vouliez-vous dire l'une de celles-ci : {possibilities} ?)"),
    ("Got unexpected extra argument ({args})", "Got unexpected extra arguments ({args})"):
        ("Argument en trop : {args}", "Arguments en trop : {args}"),
    ("Takes {nargs} values but 1 was given.", "Takes {nargs} values but {len} were given."):
        ("Prend {nargs} valeurs, mais {len} a été donnée.", "Prend {nargs} valeurs, mais {len} ont été données."),
    ("Option {name!r} requires an argument.", "Option {name!r} requires {nargs} arguments."):
        ("L'option « {name} » demande une valeur.", "L'option « {name} » demande {nargs} valeurs."),
    ("{value!r} is not {choice}.", "{value!r} is not one of {choices}."):
        ("« {value} » n'est pas une valeur permise : {choice}.",
         "« {value} » n'est pas une valeur permise : choisissez parmi {choices}."),
    ("{value!r} does not match the format {format}.", "{value!r} does not match the formats {formats}."):
        ("« {value} » n'a pas le format {format}.", "« {value} » n'a aucun des formats {formats}."),
    ("{len_type} values are required, but {len_value} was given.",
     "{len_type} values are required, but {len_value} were given."):
        ("{len_type} valeurs sont attendues, mais {len_value} a été donnée.",
         "{len_type} valeurs sont attendues, mais {len_value} ont été données."),
}

# The modules of click that fetch texts through gettext (``_`` and ``ngettext``).
MODULES = ("core", "decorators", "exceptions", "formatting", "parser", "types", "termui", "utils")


def french(message: str) -> str:
    """Click's ``gettext``: the French text of one of click's English texts (unknown ones unchanged)."""
    return TEXTS.get(message, message)


def french_plural(singular: str, plural: str, n: int) -> str:
    """Click's ``ngettext``: the French text for ``n``, 0 and 1 taking the singular."""
    one, many = PLURALS.get((singular, plural), (singular, plural))
    return one if abs(n) < 2 else many


def install() -> None:
    """Make click show its texts in French, in this process."""
    import importlib

    for name in MODULES:
        module = importlib.import_module(f"click.{name}")
        if hasattr(module, "_"):
            module._ = french
        if hasattr(module, "ngettext"):
            module.ngettext = french_plural

