import pytest
import torch

from pyg_tensorgcn.mprod import dct, identity, m_product, m_transpose, matrix
from pyg_tensorgcn.nn import TNN, TLinear, images_to_tensor

n, B = 5, 3


def orthogonal_transforms():
    torch.manual_seed(0)
    q, _ = torch.linalg.qr(torch.randn(n, n, dtype=torch.float64))
    return [dct(n), identity(n), matrix(q)]


def test_layout_and_product():
    images = torch.randn(B, n, n, dtype=torch.float64)
    A = images_to_tensor(images)
    assert A.shape == (n, n, B) and A[2, 1, 0] == images[0, 1, 2]
    layer = TLinear(n, 4, dct(n)).double()
    out = layer(A)
    assert out.shape == (n, 4, B)
    torch.testing.assert_close(out, m_product(layer.weight, A, layer.transform) + layer.bias)
    # each image is processed alone: the batch is a stack of lateral slices
    torch.testing.assert_close(layer(A[:, :, :1]), out[:, :, :1])


def test_parameter_counts():
    n_img = 8
    tensor_layer = TLinear(n_img, n_img, dct(n_img))
    matrix_layer = torch.nn.Linear(n_img * n_img, n_img * n_img)
    assert sum(p.numel() for p in tensor_layer.parameters()) == n_img**3 + n_img**2
    assert sum(p.numel() for p in matrix_layer.parameters()) == n_img**4 + n_img**2


@pytest.mark.parametrize("M", orthogonal_transforms(), ids=lambda m: repr(m))
def test_autograd_equals_the_papers_gradient_formulas(M):
    layer = TLinear(n, n, M).double()
    A = torch.randn(n, n, B, dtype=torch.float64, requires_grad=True)
    Z = layer(A)
    upstream = torch.randn_like(Z)  # dA_{j+1}
    (torch.tanh(Z) * upstream).sum().backward()
    dZ = upstream * (1 - torch.tanh(Z).pow(2))  # dA_{j+1} (.) sigma'(Z)
    torch.testing.assert_close(layer.weight.grad, m_product(dZ, m_transpose(A.detach(), M), M))
    torch.testing.assert_close(A.grad, m_product(m_transpose(layer.weight.detach(), M), dZ, M))
    torch.testing.assert_close(layer.bias.grad, dZ.sum(2, keepdim=True))


def test_tnn_stable_steps_and_regularization():
    torch.manual_seed(0)
    model = TNN(n, 10, dct(n), num_layers=3, stable=True, h=0.5).double()
    A = images_to_tensor(torch.randn(B, n, n, dtype=torch.float64))
    expected = A
    for layer in model.layers:
        expected = expected + 0.5 * torch.tanh(layer(expected))
    torch.testing.assert_close(model.features(A), expected)
    assert model(A).shape == (B, 10)
    w = [layer.weight for layer in model.layers]
    manual = ((w[1] - w[0]).pow(2).sum() + (w[2] - w[1]).pow(2).sum()) / 0.5
    torch.testing.assert_close(model.regularization(), manual)


def test_bad_shape():
    with pytest.raises(ValueError, match=r"expected a tensor of shape \(T=5, 5, B\), got \(4, 5, 2\)"):
        TLinear(n, n, dct(n))(torch.randn(4, n, 2))
