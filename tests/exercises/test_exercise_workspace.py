"""`dojo exercises init`: one stub per exercise that states the task, and it never overwrites."""

import ast

from torchdojo.exercises import catalog
from torchdojo.exercises.stubs import init_workspace, make_stub

EXERCISES = list(catalog.all_exercises())


def test_every_stub_compiles_states_its_task_and_hides_the_solution():
    for ex in EXERCISES:
        stub = make_stub(ex)
        tree = ast.parse(stub)
        assert ast.get_docstring(tree), ex.slug  # the task, with its math
        assert stub.count("# TODO") == stub.count("raise NotImplementedError") >= 1
        solution = ex.solution_path.read_text()
        body_lines = [line.strip() for line in solution.splitlines()
                      if line.startswith("    ") and line.strip() not in stub]
        assert body_lines, ex.slug  # something was cut
        assert ex.entry in stub


def test_lenet_keeps_its_layers_and_the_dataset_cuts_every_method():
    lenet = make_stub(catalog.find("lenet-forward"))
    assert "self.conv1 = nn.Conv2d(1, 6" in lenet and lenet.count("NotImplementedError") == 1
    assert make_stub(catalog.find("addition-dataset")).count("NotImplementedError") == 3


def test_init_writes_stubs_and_a_readme_and_never_overwrites(tmp_path):
    written, kept = init_workspace(tmp_path / "ws", EXERCISES)
    assert len(written) == len(EXERCISES) + 1 and not kept
    readme = (tmp_path / "ws" / "README.md").read_text()
    assert "dojo check" in readme and all(ex.file_name in readme for ex in EXERCISES)
    mine = tmp_path / "ws" / EXERCISES[0].file_name
    mine.write_text("my work\n")
    written, kept = init_workspace(tmp_path / "ws", EXERCISES)
    assert written == [] and mine in kept and mine.read_text() == "my work\n"
    mine.unlink()
    written, _ = init_workspace(tmp_path / "ws", EXERCISES)
    assert written == [mine] and "NotImplementedError" in mine.read_text()
