"""The bundled models: loaded from the wheels, sampled as the policy says, probabilities as basis points."""

from pathlib import Path

import joblib
import pytest

from polyphony.scoring import dimensions, load_policy
from polyphony.scoring.classifiers import detect_language, sample_units, to_bp, toxicity_bp
from polyphony.scoring.policy import model_files

POLICY = load_policy("v1")
FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "scoring"
SENTENCES = [
    "You are a kind and thoughtful person.",
    "What a load of crap, you stupid idiot, fuck off.",
    "The compiler reads the source file and writes an object file.",
    "",
]


def test_toxicity_equals_the_scikit_learn_model_it_evaluates():
    files = model_files()
    vectorizer = joblib.load(files["alt-profanity-check/vectorizer.joblib"])
    model = joblib.load(files["alt-profanity-check/model.joblib"])
    expected = [to_bp(p) for p in model.predict_proba(vectorizer.transform(SENTENCES))[:, 1]]
    assert toxicity_bp(SENTENCES) == expected


@pytest.mark.parametrize(
    ("sample", "reason"),
    [
        (["The manual explains every option of the command."] * 4, "not_offensive"),
        (["What a load of crap, you stupid idiot, fuck off."] * 4, "offensive_language"),
        ([], "no_text"),
    ],
)
def test_toxicity_dimension_reason(sample, reason):
    dimension = dimensions.toxicity(toxicity_bp(sample), profile=POLICY.config["toxicity"])
    assert dimension.reason == reason


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("The command lists the files of a directory in alphabetical order.", "en"),
        ("La commande affiche les fichiers du répertoire dans l'ordre alphabétique.", "fr"),
        ("Der Befehl zeigt die Dateien eines Verzeichnisses in alphabetischer Reihenfolge.", "de"),
    ],
)
def test_language_is_detected_offline_from_the_bundled_model(text, language):
    guess = detect_language([text])
    assert guess.language == language
    assert guess.confidence_bp > 5000


def test_a_man_page_reads_as_english_from_its_joined_sample():
    page = (FIXTURES / "ls_man.txt").read_text(encoding="utf-8")
    units = [paragraph for paragraph in page.split("\n\n") if paragraph.strip()]
    guess = detect_language(sample_units(units, config={"sample_units": 4, "unit_chars": 200}))
    assert guess.language == "en"
    assert guess.confidence_bp > 5000
    assert guess.units == 4


def test_sample_takes_evenly_spaced_units_cut_to_size():
    units = [f"unit {i} " + "x" * 500 for i in range(100)]
    sample = sample_units(units, config={"sample_units": 4, "unit_chars": 10})
    assert sample == ["unit 0 xxx", "unit 25 xx", "unit 50 xx", "unit 75 xx"]
    assert sample_units(["", "  ", "only"], config={"sample_units": 4, "unit_chars": 10}) == ["only"]


@pytest.mark.parametrize(("probability", "bp"), [(0.0, 0), (1.0, 10000), (0.12345, 1235), (0.12344, 1234)])
def test_probabilities_round_half_up_to_basis_points(probability, bp):
    assert to_bp(probability) == bp
