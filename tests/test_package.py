import subprocess
import sys


def test_import_is_light_no_torch_no_brian2():
    code = "import sys, neuromem; print(sorted(m for m in ('torch', 'brian2') if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_model_cards_are_found_and_carry_units():
    import neuromem

    card = neuromem.load_card("compte2000")
    assert card.family == "spiking" and "Compte" in card.references
    assert card.parameters["g_EE_NMDA"] == "0.381 nS"
    assert card.sizes["full"] == {"N_E": 2048, "N_I": 512}
