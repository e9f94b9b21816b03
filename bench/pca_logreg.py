#!/usr/bin/python3
"""Baseline classifier: logistic regression on 50 PCs of log1p(CP10k), PCA and
penalty (5-fold CV) fitted on the training cells; macro-F1 on the test cells.
Usage: pca_logreg.py TRAIN.h5ad TEST.h5ad LABEL"""
import sys

import anndata
import numpy as np
from sklearn.decomposition import PCA
from sklearn.linear_model import LogisticRegressionCV
from sklearn.metrics import accuracy_score, f1_score
from sklearn.preprocessing import StandardScaler


def lognorm(a):
    x = a.X.toarray() if hasattr(a.X, "toarray") else np.asarray(a.X)
    return np.log1p(x / x.sum(1, keepdims=True).clip(1) * 1e4)


train, test, label = anndata.read_h5ad(sys.argv[1]), anndata.read_h5ad(sys.argv[2]), sys.argv[3]
pca = PCA(50, random_state=0).fit(lognorm(train))
scale = StandardScaler().fit(pca.transform(lognorm(train)))
f = lambda a: scale.transform(pca.transform(lognorm(a)))
clf = LogisticRegressionCV(Cs=8, cv=5, max_iter=5000).fit(f(train), train.obs[label].astype(str))
pred = clf.predict(f(test))
truth = test.obs[label].astype(str)
print(f"PCA-50 logistic regression: test cells {len(truth)}, accuracy {accuracy_score(truth, pred):.4f}, "
      f"macro-F1 {f1_score(truth, pred, average='macro'):.4f}")
